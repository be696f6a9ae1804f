/**
 * A field's published rule (values.ts publishes it from the domain's zod
 * schema) checked against a typed value. Environment-free — no Node, no zod —
 * so the privacy centre bundles this same function to check as the person
 * types; the owning domain checks again with its schema and has the last word.
 */

export interface CheckableRule {
  type: 'STRING' | 'BOOLEAN' | 'ENUM';
  required: boolean;
  minLength: number | null;
  maxLength: number | null;
  pattern: string | null;
  allowedValues: string[] | null;
}

/** Why a value breaks its rule, as data (the page words it in the reader's language). */
export type RuleProblem =
  | { problem: 'REQUIRED' }
  | { problem: 'NOT_ALLOWED'; allowed: string[] }
  | { problem: 'TOO_SHORT'; limit: number }
  | { problem: 'TOO_LONG'; limit: number }
  | { problem: 'PATTERN' };

/** Null when `text` meets the rule. Lengths count characters (code points), as zod does for a trimmed string. */
export function checkRule(rule: CheckableRule, text: string): RuleProblem | null {
  if (text === '') return rule.required ? { problem: 'REQUIRED' } : null;
  if (rule.allowedValues && !rule.allowedValues.includes(text)) return { problem: 'NOT_ALLOWED', allowed: rule.allowedValues };
  if (rule.minLength !== null && [...text.trim()].length < rule.minLength) return { problem: 'TOO_SHORT', limit: rule.minLength };
  if (rule.maxLength !== null && [...text].length > rule.maxLength) return { problem: 'TOO_LONG', limit: rule.maxLength };
  if (rule.pattern) {
    let re: RegExp | null = null;
    try {
      re = new RegExp(rule.pattern, 'u');
    } catch {
      // A pattern this runtime cannot compile is left to the domain.
    }
    if (re && !re.test(rule.type === 'STRING' ? text.trim() : text)) return { problem: 'PATTERN' };
  }
  return null;
}
