/* istanbul ignore file */
// Thin Pulumi entry (Pulumi.yaml `main:`): the program lives in ./program so tests can import it under mocks.
// Exporting the promise makes its outputs the stack outputs.
import { chaosStackProgram } from './program';

export = chaosStackProgram();
