import type { estypes } from '@elastic/elasticsearch';

/** The longest query the CLI and the status page take: enough for any search a person types. */
export const MAX_QUERY_CHARS = 1_000;

/**
 * The full-text search the CLI (`connectors index search`) and the status page
 * run over a connector's index: any field, lenient (a word against a number
 * field is no match rather than an error), every word required, matches
 * highlighted between `tags`.
 */
export function contentSearchRequest(index: string, query: string, size: number, tags: { pre: string; post: string }, source: string[] | false = false): estypes.SearchRequest {
  return {
    index,
    size,
    track_total_hits: 10_000,
    timeout: '10s',
    _source: source,
    query: { simple_query_string: { query, fields: ['*'], lenient: true, default_operator: 'and' } },
    highlight: {
      fields: { '*': {} },
      pre_tags: [tags.pre],
      post_tags: [tags.post],
      fragment_size: 120,
      number_of_fragments: 2,
      // Very long values are highlighted in their first megabyte rather than refused.
      max_analyzed_offset: 1_000_000,
    },
  };
}
