export { CATALOGUES, LANGUAGES, type MessageKey, REFERENCE_LANGUAGE } from './generated/catalogues.js';
export { DEFAULT_LANGUAGE, isLanguage, type Language, negotiateLanguage } from './languages.js';
export { createTranslator, intlSupports, type MessageValues, type Translator, type TranslatorOptions } from './translator.js';
