import '../src-main/engine/polyfills.js'
