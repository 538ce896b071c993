/** Exact-match response cache (DESIGN.md, "Fallbacks that never lie"). */
export { cacheKey, canonicalRequest, EXCLUDED_FIELDS } from './request-key.js';
export type { CacheKeyOptions } from './request-key.js';
export { ResponseCache } from './response-cache.js';
export type { CacheHit, ResponseCacheOptions, ResponseCacheStats } from './response-cache.js';
