import { VirtualBoard } from '../src/virtual';

/** Memory one virtual board costs: its interpreter memory as it reports it, and the process RSS it adds. */
export async function memoryFigures(count = 4): Promise<void> {
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  const boards: VirtualBoard[] = [];
  for (let i = 0; i < count; i++) {
    const b = new VirtualBoard({ name: `bench-mem-${process.pid}-${i}` });
    await b.start();
    boards.push(b);
  }
  await new Promise((r) => setTimeout(r, 300));
  const rss1 = process.memoryUsage().rss;
  const own = boards.map((b) => b.memoryUsage());
  console.log(`\nmemory per virtual board (${count} running at once)`);
  console.log(`  interpreter memory  ${(own[0].bytes / 2 ** 20).toFixed(1)} MiB in ${own[0].workers} worker(s)`);
  console.log(`  process RSS added   ${((rss1 - rss0) / count / 2 ** 20).toFixed(1)} MiB per board`);
  for (const b of boards) await b.close();
  await new Promise((r) => setTimeout(r, 300));
  console.log(`  after closing them  ${((process.memoryUsage().rss - rss0) / 2 ** 20).toFixed(1)} MiB RSS left over (all ${count})`);
}
