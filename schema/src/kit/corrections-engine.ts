// The corrections engine lives in ./corrections/; subgraph.ts still imports it from here.
export { createCorrectionEngine, type CorrectionEngine, type CorrectionsSetup } from './corrections/index.js';
