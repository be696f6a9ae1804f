import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOGUES } from '../src/index.js';

// The policy's own Azerbaijani words (GLOSSARY-az.md, from the policy's glossary) are the catalogue's terms.
const glossary = readFileSync(join(import.meta.dirname, '..', 'GLOSSARY-az.md'), 'utf8');
const az = CATALOGUES.az ?? {};

describe('Azerbaijani terms follow the policy glossary', () => {
  const rows: Array<[string, string]> = [
    ['terms.personalData', 'şəxsi məlumatlar'],
    ['terms.controller', 'məlumat nəzarətçisi'],
    ['terms.legalBasis', 'hüquqi əsas'],
    ['terms.processing', 'emal'],
    ['terms.request', 'sorğu'],
    ['terms.basis.CONTRACT', 'müqavilə öhdəliklərinə əməl etmək'],
    ['terms.basis.LEGITIMATE_INTEREST', 'qanuni maraq'],
    ['terms.right.RECTIFICATION', 'düzəltmək hüququ'],
    ['terms.right.ERASURE', 'silmək hüququ'],
    ['terms.right.OBJECTION', 'emalına etiraz etmək hüququ'],
    ['terms.right.RESTRICTION', 'emalını məhdudlaşdırmaq hüququ'],
    ['terms.right.PORTABILITY', 'məlumatların daşınması hüququ'],
    ['terms.right.WITHDRAW_CONSENT', 'razılığı geri götürmək hüququ'],
  ];
  it.each(rows)('%s is the glossary word "%s"', (key, word) => {
    expect(glossary).toContain(word);
    expect(az[key]).toBe(word);
  });
});
