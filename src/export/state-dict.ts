// A torch.load()-able state dict: every parameter and BatchNorm buffer, keyed by the module names
// of the PyTorch definitions (scripts/peer/peer.py), so `net.load_state_dict(torch.load(FILE))`.
import type { Exporter } from './types';

export const STATE_DICT: Exporter = {
  name: 'state-dict',
  help: 'a torch.load() state dict (net.load_state_dict(torch.load(FILE)))',
  write: (model) => model.stateDict(),
};
