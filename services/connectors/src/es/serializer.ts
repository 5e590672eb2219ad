import { Serializer } from '@elastic/transport';

/** How a `_bulk` response under the sink's `filter_path` starts when every item succeeded. */
const ALL_SUCCEEDED = '{"errors":false,"items":[';

/**
 * The transport's serializer, except that a bulk response whose items all
 * succeeded leaves its `items` unparsed until read: a full sync's responses
 * are mostly that (thousands of items each), and the sink needs only the
 * count it already knows (see `BulkSink.settle`). Anything else is parsed as usual.
 */
export class LazyBulkSerializer extends Serializer {
  override deserialize<T = unknown>(json: string): T {
    if (!json.startsWith(ALL_SUCCEEDED)) return super.deserialize<T>(json);
    const parse = (): unknown => super.deserialize<{ items: unknown }>(json).items;
    let items: unknown;
    return {
      errors: false,
      get items() {
        return (items ??= parse());
      },
    } as T;
  }
}
