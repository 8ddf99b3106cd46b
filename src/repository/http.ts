import { Transport, type TransportOptions, type TransportResponse } from '../api/transport.js';

// GETs from the repository (repo.hex.pm or a self-hosted one) through the transport the API
// client uses (transport.ts: TLS always verified, extra CAs, proxies, http:// only to
// loopback, redirects that never carry a credential to another origin, retries, deadlines).
// On top: at most `concurrency` requests in flight over kept-alive connections, conditional
// GETs, and a size limit per download.

export interface RepositoryHttpOptions extends Pick<TransportOptions, 'caCertsPath' | 'proxy' | 'announce' | 'log' | 'timeoutMs' | 'notice'> {
  userAgent: string;
  concurrency: number;
}

export interface GetOptions {
  /** The Authorization header value; never sent to another origin (a redirect there is refused). */
  authorization?: string;
  /** The credential behind `authorization`, in words, for --verbose. */
  credential?: string;
  /** Sent as If-None-Match. */
  etag?: string;
  /** Downloads larger than this are refused. */
  maxBytes: number;
  /** Called as the body arrives: bytes so far, and the announced size (if any). A retry starts again from 0. */
  onProgress?: (received: number, total: number | undefined) => void;
}

export type RepositoryResponse = TransportResponse;

export class RepositoryHttp {
  private readonly transport: Transport;
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly options: RepositoryHttpOptions) {
    this.transport = new Transport(options);
  }

  async close(): Promise<void> {
    await this.transport.close();
  }

  /** One logical GET (redirects and retries included) holding one of the `concurrency` slots. */
  async get(url: URL, options: GetOptions): Promise<RepositoryResponse> {
    const headers: Record<string, string> = { 'user-agent': this.options.userAgent };
    if (options.authorization) headers.authorization = options.authorization;
    if (options.etag) headers['if-none-match'] = options.etag;
    await this.acquire();
    try {
      return await this.transport.request({ method: 'GET', url, headers, credential: options.credential, maxBytes: options.maxBytes, onProgress: options.onProgress });
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.active < this.options.concurrency) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next(); // the slot passes straight on
    else this.active--;
  }
}

export { header } from '../api/transport.js';
