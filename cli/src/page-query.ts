// The page a list command asks for: --limit and --cursor, each only when given (the server
// defaults the limit to 100).

export function pageQuery(limit: number | undefined, cursor: string | undefined): { limit?: number; cursor?: string } {
  return { ...(limit !== undefined ? { limit } : {}), ...(cursor !== undefined ? { cursor } : {}) };
}
