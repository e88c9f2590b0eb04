import { z } from 'zod';

/** POST /api/admin/login. */
export const adminLoginRequestSchema = z.object({ token: z.string().min(1).max(512) }).strict();
export type AdminLoginRequest = z.infer<typeof adminLoginRequestSchema>;
