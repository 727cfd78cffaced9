// A list the API answers as {"items": […]}: its items, how many there are in all when the answer
// says (a list the API caps: "total"; else null), whether its first load is under way, the error
// of the last load, and load() to fetch it (again). The page shows a skeleton while loading,
// the error with a retry button, and the items once they came.
import { ref } from 'vue';
import api from '../api.js';

export function useItems(path) {
  const items = ref([]);
  const total = ref(null);
  const loading = ref(true);
  const error = ref(null);
  async function load() {
    error.value = null;
    try {
      const r = await api.get(path);
      items.value = (r && r.items) || [];
      total.value = r && Number.isInteger(r.total) ? r.total : null;
    } catch (e) {
      error.value = e;
    } finally {
      loading.value = false;
    }
  }
  return { items, total, loading, error, load };
}
