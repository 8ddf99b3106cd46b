#!/usr/bin/env node
'use strict';
require('../dist/boot.cjs').run(require('node:path').join(__dirname, '..', 'dist'));
