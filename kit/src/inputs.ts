import { PERSON_ID_PATTERN, PERSON_ID_RULE, portProblem } from '@footprint/schema';
import { z } from 'zod';

/**
 * zod schemas for the inputs the contract defines (a person id, a port, a URL
 * fetch can reach): the contract states the rule without a validation library,
 * the kit turns it into the schema every edge (env, HTTP, GraphQL args) parses with.
 */
export const PersonId = z.string().regex(PERSON_ID_PATTERN, `a person id is ${PERSON_ID_RULE}`);

/** A port from the environment: 0–65535 and not one fetch refuses. */
export const PortSchema = z.coerce
  .number()
  .int()
  .superRefine((port, ctx) => {
    const problem = portProblem(port);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** A URL from the environment whose port fetch can reach. */
export const FetchableUrl = z.url().superRefine((value, ctx) => {
  const u = new URL(value);
  const port = u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
  const problem = portProblem(port);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});


