// ECharts in the portal: the one place that imports it (only the parts the bar charts use), the
// look every chart shares (the page's font, larger type in elder mode, the tooltip, the legend,
// the axes) and a chart's life on its <div>: drawn when mounted, redrawn when what it shows
// changes, resized with its container, disposed with the component. Used by BarChart, YearChart
// and PlanProgressChart. A chart never draws without a text equivalent: each takes a label for
// screen readers, and its page shows the same figures in a table or a list.
import { onBeforeUnmount, onMounted, ref, watch } from 'vue';
import * as echarts from 'echarts/core';
import { BarChart } from 'echarts/charts';
import { AriaComponent, GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([BarChart, GridComponent, LegendComponent, TooltipComponent, AriaComponent, CanvasRenderer]);

const INK = '#1f2329';

// The type size of a chart, in px: larger in elder mode.
export const chartFontSize = (large) => (large ? 20 : 13);

// The options every chart shares: its description for screen readers, the page's font, the
// tooltip and the legend. format: a value for people.
export function chartBase({ large, label, format }) {
  const fs = chartFontSize(large);
  const fontFamily = getComputedStyle(document.body).fontFamily || 'sans-serif';
  return {
    aria: { enabled: true, label: { description: label } },
    animationDuration: 400,
    textStyle: { fontSize: fs, color: INK, fontFamily },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, textStyle: { fontSize: fs }, valueFormatter: format },
    legend: { top: 0, textStyle: { fontSize: fs, color: INK }, itemWidth: large ? 28 : 18, itemHeight: large ? 18 : 12 },
  };
}

// An axis of values (whole numbers at least a step apart), its labels in color.
export function valueAxis({ large, format, color = '#3d4450' }) {
  return {
    type: 'value',
    minInterval: 1,
    axisLabel: { fontSize: chartFontSize(large) - 1, color, formatter: format },
    splitLine: { lineStyle: { color: '#e5e8ee' } },
  };
}

// An axis of categories (data: their names); label: more of its labels' style.
export function categoryAxis({ large, data, inverse = false, label = {} }) {
  return {
    type: 'category',
    inverse,
    data,
    axisLabel: { fontSize: chartFontSize(large), color: INK, ...label },
    axisTick: { show: false },
  };
}

// A chart on the element of the ref it returns (ref="el" in the template). option: () => the
// ECharts option; height: () => the chart's height in px; sources: what it shows (watched deeply).
export function useEChart({ option, height, sources }) {
  const el = ref(null);
  let chart = null;
  let ro = null;

  function render() {
    if (!el.value) return;
    el.value.style.height = height() + 'px';
    if (!chart) chart = echarts.init(el.value, null, { renderer: 'canvas' });
    chart.setOption(option(), true);
    chart.resize();
  }

  onMounted(() => {
    render();
    ro = new ResizeObserver(() => chart && chart.resize());
    ro.observe(el.value);
  });
  onBeforeUnmount(() => {
    if (ro) ro.disconnect();
    if (chart) chart.dispose();
    chart = null;
  });
  watch(sources, render, { deep: true });
  return el;
}
