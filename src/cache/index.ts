/** Exact-match response cache (docs/configuration.md, "Cache"). */
export { cacheKey, canonicalRequest, EXCLUDED_FIELDS } from './request-key.js';
export type { CacheKeyOptions } from './request-key.js';
export { ResponseCache } from './response-cache.js';
export type { CacheHit, ResponseCacheOptions, ResponseCacheStats } from './response-cache.js';
