// Loaded with --import by `npm run bench:profile`: SIGUSR2 exits the app normally, so --cpu-prof writes
// its profile (Nest's own SIGTERM hook re-raises the signal, and a process killed by a signal writes none).
process.once('SIGUSR2', () => process.exit(0));
