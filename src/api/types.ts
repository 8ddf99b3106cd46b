// Response shapes of the Hex API (api.md §5), as far as hexts reads them.

export interface Permission {
  domain: string;
  resource: string | null;
}

export interface User {
  username: string;
  email?: string | null;
  full_name?: string | null;
  url?: string;
  inserted_at?: string;
  updated_at?: string;
  organizations?: Array<{ name: string; role: string }>;
  packages?: Array<{ name: string; repository: string; url: string; html_url: string }>;
  owned_packages?: Record<string, string>;
  level?: string;
  role?: string;
}

export interface Key {
  name: string;
  secret: string | null;
  authing_key: boolean;
  permissions: Permission[];
  revoke_at: string | null;
  inserted_at: string;
  updated_at: string;
  url: string;
  last_use?: { used_at: string | null; ip: string | null; user_agent: string | null } | null;
}

export interface Organization {
  name: string;
  billing_active: boolean;
  inserted_at: string;
  updated_at: string;
  seats?: number;
}

export interface Member {
  username: string;
  email?: string | null;
  url?: string;
  role: string;
}

export interface Retirement {
  reason: string;
  message: string | null;
}

export interface PackageReleaseSummary {
  version: string;
  url: string;
  has_docs: boolean;
  inserted_at: string;
}

export interface Package {
  repository: string;
  name: string;
  url: string;
  html_url: string;
  docs_html_url: string | null;
  latest_version: string | null;
  latest_stable_version: string | null;
  inserted_at: string;
  updated_at: string;
  configs: Record<string, string>;
  meta: { description?: string | null; licenses?: string[]; links?: Record<string, string>; maintainers?: string[] };
  releases: PackageReleaseSummary[];
  retirements: Record<string, Retirement>;
  downloads: Record<string, number>;
  owners?: User[];
}

export interface Release {
  version: string;
  checksum: string;
  has_docs: boolean;
  inserted_at: string;
  updated_at: string;
  retirement: Retirement | null;
  package_url: string;
  url: string;
  html_url: string;
  docs_html_url: string | null;
  requirements: Record<string, { app: string; requirement: string; optional: boolean }>;
  configs: Record<string, string>;
  meta: { app?: string; build_tools?: string[]; elixir?: string | null };
  downloads: number | Array<[string, number]>;
  publisher: { username: string; email?: string | null; url?: string } | null;
}

export interface AuthCheck {
  key: { name: string; owner: { type: 'user' | 'organization'; name: string } };
}

export interface DeviceAuthorization {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
}

export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope?: string;
  refresh_token?: string;
}
