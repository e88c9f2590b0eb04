/** The name a comment gets when its author gave none; zod-free so the browser can match on it too. */
export const DEFAULT_AUTHOR_NAME = 'Anonymous';
