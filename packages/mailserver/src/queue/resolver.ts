/**
 * Where to deliver mail for a domain: MX records by preference (RFC 5321 section 5.1), the
 * domain's own A/AAAA records when it has no MX, nothing at all for a null MX (RFC 7505).
 * Injectable so that tests map domains to 127.0.0.1 and a port.
 */
import dns from 'node:dns/promises';

export interface MxTarget {
  /** Host name or IP address to connect to. */
  host: string;
  port: number;
  /** The MX name (for logs and DSNs); defaults to host. */
  name?: string;
}

/** Thrown for a domain that cannot receive mail at all (no such domain, null MX): a permanent failure. */
export class PermanentResolveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentResolveError';
  }
}

/** Resolves a recipient domain to the hosts to try, best first. Throws PermanentResolveError or a temporary error. */
export type MxResolver = (domain: string) => Promise<MxTarget[]>;

const SMTP_PORT = 25;

function isNoData(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === dns.NODATA || code === dns.NOTFOUND;
}

/** The real resolver, on node:dns/promises. */
export function dnsMxResolver(port = SMTP_PORT): MxResolver {
  return async (domain) => {
    let records: Array<{ exchange: string; priority: number }> = [];
    try {
      records = await dns.resolveMx(domain);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === dns.NOTFOUND) {
        throw new PermanentResolveError(`domain ${domain} does not exist`);
      }
      if (!isNoData(err)) throw err;
    }
    if (records.length === 1 && (records[0]!.exchange === '' || records[0]!.exchange === '.')) {
      throw new PermanentResolveError(`domain ${domain} does not accept mail (null MX)`);
    }
    if (records.length > 0) {
      return [...records]
        .filter((r) => r.exchange !== '' && r.exchange !== '.')
        .sort((a, b) => a.priority - b.priority)
        .map((r) => ({ host: r.exchange, port, name: r.exchange }));
    }
    // no MX: the domain itself is the implicit MX when it has an address
    const [a, aaaa] = await Promise.allSettled([dns.resolve4(domain), dns.resolve6(domain)]);
    const addresses = [
      ...(a.status === 'fulfilled' ? a.value : []),
      ...(aaaa.status === 'fulfilled' ? aaaa.value : []),
    ];
    if (addresses.length > 0) return addresses.map((ip) => ({ host: ip, port, name: domain }));
    const failures = [a, aaaa].filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failures.every((f) => isNoData(f.reason))) {
      throw new PermanentResolveError(`domain ${domain} has no MX, A or AAAA record`);
    }
    throw new Error(`DNS lookup for ${domain} failed temporarily`);
  };
}

/** A resolver from a fixed map (tests): domain → targets; unknown domains fail permanently. */
export function staticMxResolver(map: Record<string, MxTarget[] | MxTarget>): MxResolver {
  const table = new Map(Object.entries(map).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v : [v]]));
  return (domain) => {
    const targets = table.get(domain.toLowerCase());
    if (!targets || targets.length === 0) {
      return Promise.reject(new PermanentResolveError(`domain ${domain} has no MX, A or AAAA record`));
    }
    return Promise.resolve(targets);
  };
}
