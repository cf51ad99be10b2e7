// Loading and saving standard order-flow files (design §9). File I/O lives here, apart from the
// layout, so that the core can decode records without importing node:*.

import { readFileSync, writeFileSync } from 'node:fs';
import { ORDER_FLOW_RECORD_BYTES, orderFlowRecordCount, validateOrderFlow } from '../engine/order-flow-layout.js';

export interface OrderFlowFile {
  /** A view over exactly the file's bytes. */
  view: DataView;
  records: number;
}

export interface ReadOrderFlowOptions {
  /** Decode every record up front so a corrupt file fails before anything is applied. */
  validate?: boolean;
}

/** Reads a whole order-flow file into memory; a length not a multiple of 32 is rejected. */
export function readOrderFlowFile(path: string, options: ReadOrderFlowOptions = {}): OrderFlowFile {
  const bytes = readFileSync(path);
  // A Buffer may be a slice of a shared pool: the view covers only this file's bytes.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records = options.validate === true ? validateOrderFlow(view) : orderFlowRecordCount(view);
  if (records * ORDER_FLOW_RECORD_BYTES !== view.byteLength) throw new Error('order-flow file: record count and length disagree');
  return { view, records };
}

/** Writes records produced through the layout's writer; the length is checked before writing. */
export function writeOrderFlowFile(path: string, bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records = validateOrderFlow(view);
  writeFileSync(path, bytes);
  return records;
}
