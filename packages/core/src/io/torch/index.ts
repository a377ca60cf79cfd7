/** PyTorch checkpoint I/O: read and write `torch.save` state dicts (`pytorch_model.bin`) without Python. */
export { readTorchBin } from './read.ts';
export { serializeTorchBin, writeTorchBin, type TorchWriteOptions } from './write.ts';
export { NESTED_STATE_DICT_KEYS } from './torch-pickle.ts';
