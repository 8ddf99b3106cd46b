// The one model of the environment a mix.exs is evaluated in (README "How hexts reads
// mix.exs"): what `mix hex.build` and `mix hex.publish` would see, on a stated toolchain.
import { UsageError } from '../errors.js';
import type { Assumptions } from './runtime.js';

/** The newest stable Elixir and Erlang/OTP releases when this hexts was made. */
export const DEFAULT_ELIXIR_VERSION = '1.20.3';
export const DEFAULT_OTP_RELEASE = '29';

export interface ToolchainChoice {
  /** `--elixir-version` */
  elixirVersion?: string;
  /** `--otp-release` */
  otpRelease?: string;
}

/** The stated toolchain (flags, then HEXTS_ELIXIR_VERSION / HEXTS_OTP_RELEASE, then the defaults) and Mix's env and target. */
export function resolveAssumptions(env: Readonly<Record<string, string | undefined>>, choice: ToolchainChoice = {}): Assumptions {
  const elixirVersion = choice.elixirVersion ?? (env.HEXTS_ELIXIR_VERSION || undefined) ?? DEFAULT_ELIXIR_VERSION;
  const otpRelease = choice.otpRelease ?? (env.HEXTS_OTP_RELEASE || undefined) ?? DEFAULT_OTP_RELEASE;
  const from = (flag: string, variable: string, given: string | undefined) => (given !== undefined ? flag : variable);
  if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(elixirVersion)) {
    throw new UsageError(`${from('--elixir-version', 'HEXTS_ELIXIR_VERSION', choice.elixirVersion)} must be an Elixir version such as 1.18.4, not "${elixirVersion}"`);
  }
  if (!/^\d{2}$/.test(otpRelease)) {
    throw new UsageError(`${from('--otp-release', 'HEXTS_OTP_RELEASE', choice.otpRelease)} must be an Erlang/OTP major release such as 27, not "${otpRelease}"`);
  }
  return { elixirVersion, otpRelease, mixEnv: env.MIX_ENV || 'dev', mixTarget: env.MIX_TARGET || 'host' };
}

const PROXY_VARIABLES = new Set(['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY']);

/**
 * hexts's own secrets, which mix.exs must never see (it could copy them into the package
 * metadata): API keys and one-time codes, hexts's variables, proxy URLs (they may hold a password).
 */
export function isHiddenVariable(name: string): boolean {
  return name === 'HEX_API_KEY' || name === 'HEX_OTP' || name.startsWith('HEXTS_') || PROXY_VARIABLES.has(name);
}
