// Preloaded with NODE_OPTIONS=--require (which refuses --cpu-prof): profiles this process from start
// to exit through the inspector and writes <CPU_PROF_DIR>/<title>-<pid>.cpuprofile, like --cpu-prof.
const { Session } = require('node:inspector');
const { writeFileSync } = require('node:fs');
const { join, basename, dirname } = require('node:path');

const dir = process.env.CUBE_BENCH_CPU_PROF_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.start');
  let written = false;
  const write = () => {
    if (written) return;
    written = true;
    // Same-thread inspector sessions answer synchronously, so this finishes before the process ends.
    session.post('Profiler.stop', (error, result) => {
      if (error || !result) return;
      const app = basename(dirname(process.argv[1] ?? 'node'));
      writeFileSync(join(dir, `${app}-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  };
  process.on('exit', write);
  // The services stop on SIGTERM by re-raising it after their shutdown hooks ('exit' never fires):
  // written here, and the listener removed so that the re-raised signal still ends the process.
  const onSignal = () => {
    process.off('SIGTERM', onSignal);
    write();
    // Nobody else handles it: the default action (end the process), as without this file.
    if (process.listenerCount('SIGTERM') === 0) process.kill(process.pid, 'SIGTERM');
  };
  process.on('SIGTERM', onSignal);
}
