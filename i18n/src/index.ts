export { CATALOGUES, LANGUAGES, type MessageKey, REFERENCE_LANGUAGE } from './generated/catalogues.js';
export { DEFAULT_LANGUAGE, isLanguage, type Language, negotiateLanguage } from './languages.js';
export { createTranslator, type MessageValues, type Translator } from './translator.js';
