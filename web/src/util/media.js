// Whether the window is phone-sized (below the portal's 760px breakpoint), kept up to date.
import { onBeforeUnmount, ref } from 'vue';

export function useNarrow(query = '(max-width: 759px)') {
  const mq = window.matchMedia(query);
  const narrow = ref(mq.matches);
  const on = (e) => (narrow.value = e.matches);
  mq.addEventListener('change', on);
  onBeforeUnmount(() => mq.removeEventListener('change', on));
  return narrow;
}
