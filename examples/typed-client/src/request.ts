import type { TypedDocumentString } from './gql/graphql.js';

export class GraphQLRequestError extends Error {
  constructor(
    message: string,
    readonly codes: string[],
  ) {
    super(message);
  }
}

/**
 * POSTs one typed document to the gateway and returns its typed data. Any
 * GraphQL error fails the call with the gateway's codes and messages (the
 * Footprint API names what is wrong in each).
 */
export async function request<TResult, TVariables>(url: string, token: string, document: TypedDocumentString<TResult, TVariables>, variables: TVariables): Promise<TResult> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: document.toString(), variables }),
  });
  const body = (await res.json()) as { data?: TResult | null; errors?: { message: string; extensions?: { code?: string } }[] };
  if (body.errors?.length) {
    throw new GraphQLRequestError(body.errors.map((e) => `${e.extensions?.code ?? 'ERROR'}: ${e.message}`).join('; '), body.errors.map((e) => e.extensions?.code ?? 'ERROR'));
  }
  if (!body.data) throw new GraphQLRequestError(`HTTP ${res.status} without data`, []);
  return body.data;
}
