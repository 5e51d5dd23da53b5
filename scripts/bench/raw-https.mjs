// A lean HTTP/1.1 keep-alive client over one TLS connection, for the load generator. The bench
// shares two cores with the CP: a general-purpose client (undici) spent more CPU per request
// than the CP itself, so the figures measured the generator. This one sends prebuilt requests
// and reads only the status line, Content-Length and body; one request in flight at a time,
// which is how an agent talks to its CP.
import { connect } from 'node:tls';

const HEADER_END = Buffer.from('\r\n\r\n');

export class RawHttpsConnection {
  /** TLS connections opened by every instance (a keep-alive run opens one per instance). */
  static connectionsOpened = 0;
  #socket = null;
  /** The socket whose loss matters: a socket retired after `Connection: close` closes quietly. */
  #current = null;
  /** @type {Promise<import('node:tls').TLSSocket> | null} */
  #connecting = null;
  #pending = null;
  #buffer = Buffer.alloc(0);

  /** tlsOptions: {host, port, ca, cert?, key?}: node:tls verifies the CP's chain and name. */
  constructor(tlsOptions) {
    this.tlsOptions = tlsOptions;
    this.authority = `${tlsOptions.host}:${tlsOptions.port}`;
  }

  #connect() {
    if (this.#connecting !== null) return this.#connecting;
    RawHttpsConnection.connectionsOpened++;
    this.#connecting = new Promise((resolve, reject) => {
      const socket = connect(this.tlsOptions, () => {
        socket.setNoDelay(true);
        this.#socket = socket;
        resolve(socket);
      });
      this.#current = socket;
      socket.on('data', (chunk) => this.#onData(chunk));
      const lost = (error) => {
        if (this.#current !== socket) return;
        this.#current = null;
        this.#socket = null;
        this.#connecting = null;
        this.#buffer = Buffer.alloc(0);
        const pending = this.#pending;
        this.#pending = null;
        const failure = error ?? new Error('connection closed by the server');
        reject(failure);
        pending?.reject(failure);
      };
      socket.on('error', lost);
      socket.on('close', () => lost(null));
    });
    return this.#connecting;
  }

  /** Resolves {status, body: Buffer}; `head` is the request line and headers without the final CRLF. */
  async request(method, path, { headers = '', body } = {}) {
    if (this.#pending !== null) throw new Error('one request at a time per connection');
    const socket = this.#socket ?? (await this.#connect());
    const length = body === undefined ? '' : `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`;
    const head = `${method} ${path} HTTP/1.1\r\nhost: ${this.authority}\r\n${headers}${length}\r\n`;
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject };
      socket.write(body === undefined ? head : head + body);
    });
  }

  #onData(chunk) {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const end = this.#buffer.indexOf(HEADER_END);
    if (end < 0 || this.#pending === null) return;
    const head = this.#buffer.toString('latin1', 0, end);
    const status = Number(head.slice(9, 12));
    const match = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (match === null) {
      this.#fail(new Error(`response without content-length: ${head.split('\r\n')[0]}`));
      return;
    }
    const total = end + 4 + Number(match[1]);
    if (this.#buffer.length < total) return;
    const body = this.#buffer.subarray(end + 4, total);
    this.#buffer = this.#buffer.length === total ? Buffer.alloc(0) : this.#buffer.subarray(total);
    const pending = this.#pending;
    this.#pending = null;
    // The server ends the connection after this answer: the next request opens a new one.
    if (/\r\nconnection:\s*close/i.test(head)) this.#retire();
    pending.resolve({ status, body });
  }

  #retire() {
    const socket = this.#socket;
    this.#socket = null;
    this.#current = null;
    // The next request must open a new connection, not be handed the retired one: a request
    // written to an ended socket is never answered, and its loss is ignored as a retired socket's.
    this.#connecting = null;
    this.#buffer = Buffer.alloc(0);
    socket?.end();
  }

  #fail(error) {
    const pending = this.#pending;
    this.#pending = null;
    this.#socket?.destroy();
    pending?.reject(error);
  }

  close() {
    return new Promise((resolve) => {
      if (this.#socket === null) return resolve();
      this.#socket.once('close', resolve);
      this.#socket.end();
    });
  }
}

export function tlsTarget(cp, clientCertificate) {
  const url = new URL(cp.url);
  return { host: url.hostname, port: Number(url.port), ca: cp.caPem, ...(clientCertificate ?? {}) };
}
