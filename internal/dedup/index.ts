/**
 * Duplicate detection by message id, shared by local publish and every federation receiver.
 */
export { SeenIds } from './seen-ids.js';
