/** An open download (OPEN or OPNA): what READ serves and CLOS closes. */
export interface Download {
  size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** An open upload (UOPN): bytes collect in memory, so a dropped client leaves nothing. */
export interface Upload {
  usernum: number;
  room: string;
  flags2: number;
  dirname: string;
  name: string;
  mimetype: string;
  comment: string;
  chunks: Uint8Array[];
  size: number;
}

/**
 * The per-family state a session keeps between commands, one typed slot per family. A
 * family that needs state adds its slot here, so every piece of it has a type and a name.
 */
export interface SessionState {
  /** File transfers (OPEN/OPNA/READ/CLOS, UOPN/WRIT/UCLS). */
  files: { download?: Download; upload?: Upload };
}

/** A fresh, empty state. */
export function newSessionState(): SessionState {
  return { files: {} };
}
