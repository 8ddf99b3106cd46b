import { hostname } from 'node:os';
import type { ApiClient, AuthProvider, OtpProvider } from './api/client.js';
import { loadConfig, type Config } from './config/config.js';
import type { Purpose } from './credentials/choice.js';
import type { Credentials } from './credentials/session.js';
import { CliError } from './errors.js';
import { Output, type Env, type Streams } from './io/output.js';
import { Prompter } from './io/prompt.js';
import { VERSION } from './version.js';

export interface GlobalOptions {
  apiUrl?: string;
  json: boolean;
  color: boolean;
  verbose: boolean;
}

/** The options of a command that give a key for this run or say where to store credentials. */
export interface CredentialOptions {
  key?: unknown;
  keyFile?: unknown;
  insecureStorage?: unknown;
}

/**
 * Everything a command needs from the outside world, made once per run (like GitHub CLI's
 * factory): streams, environment, config, prompts and the API client. Tests build one
 * with their own streams and environment and run commands without a terminal.
 */
export class Context {
  readonly out: Output;
  readonly prompt: Prompter;
  private configPromise?: Promise<Config>;
  private credentialsPromise?: Promise<Credentials>;
  private readonly clients: ApiClient[] = [];
  private readonly noticesShown = new Set<string>();
  private readonly disposers: Array<() => Promise<void>> = [];

  constructor(
    readonly streams: Streams,
    readonly env: Env,
    readonly cwd: string,
    readonly globals: GlobalOptions,
    private readonly credentialOptions: CredentialOptions = {},
  ) {
    this.out = new Output(streams, env, globals.color);
    this.prompt = new Prompter(streams, streams.stdin.isTTY === true && streams.stderr.isTTY === true);
  }

  get interactive(): boolean {
    return this.prompt.interactive;
  }

  hostname(): string {
    return hostname().split('.')[0] || 'localhost';
  }

  /** A registry's `x-hex-message` warning, on stderr once per run however many answers carry it. */
  notice(line: string): void {
    if (this.noticesShown.has(line)) return;
    this.noticesShown.add(line);
    this.out.warn(line);
  }

  /** --verbose logging on stderr; callers never pass secrets. */
  log(line: string): void {
    if (this.globals.verbose) this.out.info(this.out.style.dim(line));
  }

  config(): Promise<Config> {
    this.configPromise ??= loadConfig(this.env, { api_url: this.globals.apiUrl });
    return this.configPromise;
  }

  /** This run's credentials: the key given with the command (or HEX_API_KEY) and the stored ones. */
  credentials(): Promise<Credentials> {
    this.credentialsPromise ??= import('./credentials/session.js').then(({ Credentials }) => Credentials.open(this, this.credentialOptions));
    return this.credentialsPromise;
  }

  /** An API client whose requests carry the credential chosen for `purpose` (see chooseCredential). */
  async apiFor(purpose: Purpose, options: { otp?: unknown } = {}): Promise<ApiClient> {
    return (await this.credentials()).api(purpose, { otp: typeof options.otp === 'string' ? options.otp : undefined });
  }

  /** Runs `dispose` when the command ends, whatever the outcome. */
  onDispose(dispose: () => Promise<void>): void {
    this.disposers.push(dispose);
  }

  /**
   * An API client for the configured registry. `auth` decides the Authorization header
   * (anonymous when absent); `otp` is a code given with --otp.
   */
  async api(options: { auth?: AuthProvider; otp?: string; apiUrl?: string } = {}): Promise<ApiClient> {
    const config = await this.config();
    const { ApiClient, userAgent } = await import('./api/client.js');
    const client = new ApiClient({
      apiUrl: options.apiUrl ?? config.apiUrl,
      userAgent: userAgent(VERSION, this.env),
      timeoutMs: Number(config.get('http_timeout')) * 1000,
      caCertsPath: config.get('cacerts_path'),
      proxy: { http: config.get('http_proxy'), https: config.get('https_proxy'), noProxy: config.get('no_proxy') },
      auth: options.auth,
      otp: this.otpProvider(options.otp),
      log: (line) => this.log(line),
      notice: (line) => this.notice(line),
      announce: (line) => this.out.info(line),
    });
    this.clients.push(client);
    return client;
  }

  /** Codes from --otp or HEX_OTP first; then, on a terminal, a prompt. */
  private otpProvider(flagCode: string | undefined): OtpProvider {
    let given = flagCode ?? (this.env.HEX_OTP || undefined);
    const source = flagCode ? '--otp' : 'HEX_OTP';
    return {
      code: async (previousWasInvalid) => {
        if (given !== undefined && !previousWasInvalid) {
          const code = given;
          given = undefined;
          return code.trim();
        }
        if (previousWasInvalid && !this.interactive) {
          throw new CliError(`the two-factor authentication code from ${source} was rejected`, 'Pass a current code with --otp CODE or HEX_OTP.');
        }
        const message = previousWasInvalid ? 'Invalid OTP code. Please try again:' : 'Enter OTP code:';
        return (await this.prompt.input(message, {
          message: 'this action needs a two-factor authentication (OTP) code',
          hint: 'Pass it with --otp CODE or set HEX_OTP.',
        })).trim();
      },
    };
  }

  async dispose(): Promise<void> {
    for (const dispose of this.disposers.splice(0).reverse()) await dispose().catch(() => {});
    await Promise.all(this.clients.splice(0).map((c) => c.close().catch(() => {})));
  }
}
