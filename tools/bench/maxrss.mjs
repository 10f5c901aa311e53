// Preloaded by `npm run bench` (NODE_OPTIONS=--import) into every node process of one synth: on exit, appends
// "<pid> <peak RSS in kB> <script>" to $BENCH_RSS_FILE, so the bench can report the synth's peak memory.
import { appendFileSync } from 'node:fs';

process.on('exit', () => {
  const file = process.env.BENCH_RSS_FILE;
  if (file) appendFileSync(file, `${process.pid} ${process.resourceUsage().maxRSS} ${process.argv.slice(1).join(' ')}\n`);
});
