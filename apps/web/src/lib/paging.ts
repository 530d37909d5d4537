/**
 * One server page of a listing (the listing extension of docs/design.md: `start`,
 * `limit`, `filter`, `sort`, `order`, and the `total` of every match). Every paged
 * list of the console reads through here, so the wire parameters are written once.
 */
import { api, type Page, type QueryParams } from "./api-client.js";

export interface PageQuery<SortKey extends string = string> {
  start: number;
  limit: number;
  /** Matched by the server; "" for none. */
  filter: string;
  sort: SortKey;
  order: "asc" | "desc";
}

export async function fetchPage<Wire, Row>(
  path: string,
  query: PageQuery,
  toRow: (wire: Wire) => Row,
  options: { extra?: QueryParams; signal?: AbortSignal | undefined } = {},
): Promise<Page<Row>> {
  const page = await api.requestPage<Wire>(path, {
    query: {
      start: query.start,
      limit: query.limit,
      filter: query.filter === "" ? undefined : query.filter,
      sort: query.sort,
      order: query.order,
      ...options.extra,
    },
    signal: options.signal,
  });
  return { rows: page.rows.map(toRow), total: page.total };
}
