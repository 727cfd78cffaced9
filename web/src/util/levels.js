// The levels of the learning-outcomes framework (GET /api/v1/ledger/levels) for a page that shows
// units, rules or outcomes beside them: read once, when the page sets up, into a ref that stays []
// when they cannot be read (levels are then shown by their number). It never makes an error of
// the page's own, and it never writes the levels (the standards page does, with its own reads).
import { ref } from 'vue';
import api from '../api.js';

export function useFrameworkLevels() {
  const levels = ref([]);
  api.get('ledger/levels').then(
    (r) => (levels.value = (r && r.items) || []),
    () => (levels.value = []),
  );
  return levels;
}
