#!/usr/bin/env node
// The installed command: the compiled CLI (npm run build emits dist/ from src/).
import '../dist/cli/bin.js';
