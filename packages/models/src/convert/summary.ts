/** Human-readable summaries of a conversion and an export, as the CLI prints them. */
import type { ConvertReport } from './convert.ts';
import type { SaveCheckpointReport } from './export.ts';

/** Lists `names`, cut after `max` with a count of the rest. */
function list(names: string[], max = 8): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')}, ... (${names.length - max} more)`;
}

/** The summary of a conversion: tensors, parameters, and everything left out or made up. */
export function describeConvert(r: ConvertReport): string {
  const mb = (r.bytes / 1e6).toFixed(1);
  const lines = [
    `converted ${r.format} ${r.from} (${r.model}) -> ${r.out} in ${r.seconds.toFixed(1)} s ` +
      `(validate ${r.timings.validateSeconds.toFixed(1)} s, write ${r.timings.writeSeconds.toFixed(1)} s, load check ${r.timings.loadSeconds.toFixed(1)} s)`,
    `  ${r.tensors} tensors, ${r.parameters.toLocaleString('en-US')} parameters, model.safetensors ${mb} MB (checked: ${r.verified})`,
    `  unmapped source tensors: ${r.unmapped.length ? list(r.unmapped) : 'none'}`,
    `  optimizer slots skipped: ${r.optimizerSlots.length}${r.optimizerSlots.length ? ` (${list(r.optimizerSlots, 4)})` : ''}`,
  ];
  if (r.unused.length) lines.push(`  written but not used by the model: ${list(r.unused)}`);
  if (r.synthesized.length) lines.push(`  identity projections added (implicit in TF): ${list(r.synthesized)}`);
  lines.push(`  vocabulary: ${r.vocabFiles.length ? r.vocabFiles.join(', ') : 'none found (pass --vocab FILE)'}`);
  return lines.join('\n');
}

/** The summary of an export. */
export function describeExport(r: SaveCheckpointReport): string {
  const lines = [
    `exported ${r.to} -> ${r.out}: ${r.tensors} tensors, ${r.parameters.toLocaleString('en-US')} parameters`,
  ];
  if (r.files.length) lines.push(`  files: ${r.files.join(', ')}`);
  if (r.skipped.length) lines.push(`  left out (no TF counterpart): ${list(r.skipped)}`);
  return lines.join('\n');
}
