import type { SlidingWindow, WindowConfig } from '../state.js';
import { CountWindow } from './count-window.js';
import { TimeWindow } from './time-window.js';

/** Builds the sliding window a rate trip describes. */
export function createWindow(config: WindowConfig): SlidingWindow {
  return config.type === 'count' ? new CountWindow(config.size) : new TimeWindow(config);
}
