import { readFile } from 'node:fs/promises'
import { z } from 'zod'

/** The fields of a Google service-account JSON key file that signing needs. */
export const ServiceAccountKeySchema = z.object({
  type: z.literal('service_account'),
  client_email: z.string().min(1),
  private_key: z.string().includes('PRIVATE KEY'),
  private_key_id: z.string().optional(),
})
export type ServiceAccountKey = z.infer<typeof ServiceAccountKeySchema>

/** Reads and checks a key file; the message names the file, never its content. */
export async function loadServiceAccountKey(path: string): Promise<ServiceAccountKey> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new Error(`cannot read Google credentials file ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new Error(`Google credentials file ${path} is not JSON`)
  }
  const parsed = ServiceAccountKeySchema.safeParse(json)
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.join('.') || '(root)').join(', ')
    throw new Error(`Google credentials file ${path} is not a service-account key (check: ${fields})`)
  }
  return parsed.data
}
