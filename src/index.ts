/** breakerbox: the library surface. */
export * from './core/index.js';
