// A list a page loads once and shrinks as its items are decided (the approval queues of the city
// and the institutions): the items, whether the first load is still running, the error of the last
// load, and the notice of the last decision. It never reloads by itself: a retry calls load again.
import { ref } from 'vue';

// fetch: an async function giving the list (an array) to show; key(item): what tells two items
// apart (the id by default). Returns { items, loading, error, notice, load, gone }:
//   load()                       runs fetch; on success the list replaces items, on failure error
//                                holds what was thrown; loading is false after the first one ends.
//                                It takes no arguments, so a template may bind it to a click.
//   gone(item, text, type)       drops the item with item's key and says text in the notice
//                                (type: an el-alert type, 'success' by default).
export function useShrinkingList(fetch, { key = (x) => x.id } = {}) {
  const items = ref([]);
  const loading = ref(true);
  const error = ref(null);
  const notice = ref(null);

  async function load() {
    error.value = null;
    try {
      items.value = await fetch();
    } catch (e) {
      error.value = e;
    } finally {
      loading.value = false;
    }
  }

  function gone(item, text, type = 'success') {
    const k = key(item);
    items.value = items.value.filter((x) => key(x) !== k);
    notice.value = { type, text };
  }

  return { items, loading, error, notice, load, gone };
}
