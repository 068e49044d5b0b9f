import { normalizeCustomerName } from '../../handlers/domain/names';

/** The distinct normalised keys of a name and its aliases (empty ones left out), as customer_name stores them. */
export function nameKeys(name: string, aliases: readonly string[]): string[] {
  return [...new Set([name, ...aliases].map((n) => normalizeCustomerName(n).slice(0, 200)).filter(Boolean))];
}
