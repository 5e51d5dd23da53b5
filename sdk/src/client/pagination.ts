// Walks a cursor-paginated list to the end; the CP's pages are keyset-based, so nothing is
// repeated or skipped even while items are inserted.
interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export async function* eachItem<T>(fetchPage: (cursor: string | undefined) => Promise<Page<T>>): AsyncIterable<T> {
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor);
    yield* page.items;
    cursor = page.next_cursor ?? undefined;
  } while (cursor !== undefined);
}
