// The Skia canvas and Chart.js cost about 25 MB at start: the bot loads them only when it draws a chart.

it('starting the bot and its notifiers leaves the chart renderer unloaded until a chart is drawn', () => {
  const loaded: string[] = [];
  jest.isolateModules(() => {
    jest.doMock('@napi-rs/canvas', () => (loaded.push('@napi-rs/canvas'), jest.requireActual('@napi-rs/canvas')));
    jest.doMock('chart.js', () => (loaded.push('chart.js'), jest.requireActual('chart.js')));
    require('../../../bot/app');
    require('../../../bot/wecom/notifier');
    require('../../../bot/dingtalk/notifier');
    require('../../../bot/console/transport');
    require('../../../bot/download-links');
    expect(loaded).toEqual([]);

    const { attachmentFile } = require('../../../bot/charts/attachments') as typeof import('../../../bot/charts/attachments');
    const chart = { title: '图', labels: ['法务'], series: [{ name: '中位数', values: [1] }], unit: '小时', width: 200, height: 150 };
    const file = attachmentFile({ kind: 'chart', fileName: 'c.png', chart });
    expect(loaded.sort()).toEqual(['@napi-rs/canvas', 'chart.js']);
    expect(file?.contentType).toBe('image/png');
  });
});
