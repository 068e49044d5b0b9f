// The report scope in SQL: rows whose contract is owned by some people (handlers/ports.ts
// ReportRepository: `owners` null means everyone's, an empty list nobody's).

/**
 * A subquery for the contracts of `owners` (never empty SQL: an empty list matches nothing). It selects
 * the id column either way: PostgreSQL refuses to compare an integer with an untyped NULL.
 */
export const ownedContracts = (owners: readonly string[]) =>
  owners.length === 0 ? '(SELECT oc.id FROM contract oc WHERE 1 = 0)' : '(SELECT oc.id FROM contract oc WHERE oc.owner_id IN (:...owners))';
export const ownersParam = (owners: readonly string[]) => (owners.length === 0 ? {} : { owners: [...owners] });
