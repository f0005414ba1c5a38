// Our TypeScript port of Porcupine (github.com/anishathalye/porcupine). No dependencies beyond Node's globals.
export type * from './types.js';
export { checkOperations, checkEvents, eventsToOperations, isLinearizable } from './check.js';
export { PartitionSearch } from './search.js';
