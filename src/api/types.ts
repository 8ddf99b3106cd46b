// Response shapes of the Hex API (api.md §5), as far as hexts reads them: each is the type of
// the shape its resource module checks answers against, so type and check cannot drift apart.
import type { authCheck } from './auth.js';
import type { key, newKey, permission } from './keys.js';
import type { deviceAuthorizationShape, ssoAuthorizationShape, tokenResponse } from './oauth.js';
import type { organization } from './organizations.js';
import type { packageOwner } from './owners.js';
import type { pkg } from './packages.js';
import type { release, retirement } from './releases.js';
import type { Infer } from './shape.js';
import type { user } from './users.js';

export type Permission = Infer<typeof permission>;
export type User = Infer<typeof user>;
export type Owner = Infer<typeof packageOwner>;
export type Key = Infer<typeof key>;
export type NewKeyAnswer = Infer<typeof newKey>;
export type Organization = Infer<typeof organization>;
export type Retirement = Infer<typeof retirement>;
export type Package = Infer<typeof pkg>;
export type Release = Infer<typeof release>;
export type AuthCheck = Infer<typeof authCheck>;
export type DeviceAuthorization = Infer<typeof deviceAuthorizationShape>;
export type TokenResponse = Infer<typeof tokenResponse>;
export type SsoAuthorization = Infer<typeof ssoAuthorizationShape>;
