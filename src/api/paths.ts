/** `/repos/ORG` for an organization's repository, empty for the public one (hexpm). */
export function repoPrefix(organization?: string): string {
  return organization && organization !== 'hexpm' ? `/repos/${segment(organization)}` : '';
}

/** One URL path segment, encoded. */
export const segment = (value: string): string => encodeURIComponent(value);
