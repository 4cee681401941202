#!/usr/bin/env node
// React's production build: the development one checks every element and halves the frame rate.
process.env['NODE_ENV'] ??= 'production';
const { runCli } = await import('./program.js');

process.exitCode = await runCli(process.argv);
