import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { type ResultRef } from '../../lib/results/reader';

/** A fixture document (ChaosResult or ChaosEngine) as the API returns it (JSON). */
export function fixture(name: string): any {
  return parse(readFileSync(join(__dirname, 'fixtures', `${name}.yaml`), 'utf8'));
}

/** The ref and engine UID a fixture ChaosResult belongs to. */
export function refOf(doc: any): { ref: ResultRef; uid: string } {
  return {
    ref: { namespace: doc.metadata.namespace, engine: doc.spec.engine, experiment: doc.spec.experiment, resultName: doc.metadata.name },
    uid: doc.metadata.labels.chaosUID,
  };
}
