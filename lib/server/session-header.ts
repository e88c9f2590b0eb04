/** Set on requests handed to Next so pages know the caller; any incoming copy is discarded first. */
export const SESSION_HEADER = 'x-ec-session';
