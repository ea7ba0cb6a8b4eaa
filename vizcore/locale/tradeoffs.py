"""Strings of the Trade-offs page."""

STRINGS = {
    "nav.tradeoffs": {"en": "Trade-offs", "zh": "权衡"},
    "trade.title": {"en": "What each configuration costs and keeps", "zh": "每种配置的代价与收益"},
    "trade.how": {"en": "How these numbers are made", "zh": "这些数字如何得到"},
    "trade.explain": {
        "en": "GMACs are analytic: counted layer by layer from each configuration's token schedule (attention "
              "matmuls, predictors and token modules included) and checked against PyTorch's FLOP counter in the "
              "tests. Latency is measured here, on this device, at batch 1 (median of several runs) — press the "
              "button. Accuracy of the bundled models is their top-1 on the held-out synthetic-scene test split, "
              "computed by `python -m vizcore tradeoffs --write` and cached; the published layer shows the papers' "
              "ImageNet numbers on the right axis, each with its source. The line joins the Pareto-optimal points "
              "(nothing is both cheaper and more accurate).",
        "zh": "GMACs 为解析计算：按每种配置的 token 计划逐层统计（包括注意力矩阵乘、预测器与 token 模块），并在测试中与 "
              "PyTorch 的 FLOP 计数器核对。延迟在本设备上实测，批大小为 1（多次运行取中位数）——请点击按钮。内置模型的准确率是"
              "其在保留的合成场景测试集上的 top-1，由 `python -m vizcore tradeoffs --write` 计算并缓存；论文发表的 ImageNet 数字"
              "显示在右侧坐标轴上，并注明来源。折线连接帕累托最优点（没有其他点同时更便宜且更准确）。"},
    "trade.set": {"en": "Models", "zh": "模型集"},
    "trade.set.bundled": {"en": "bundled (synthetic scenes)", "zh": "内置（合成场景）"},
    "trade.set.imagenet": {"en": "ImageNet-size (DeiT-S, T2T-ViT-14, PoolFormer-S12, WuKong ViT-B/32)",
                           "zh": "ImageNet 规模（DeiT-S、T2T-ViT-14、PoolFormer-S12、WuKong ViT-B/32）"},
    "trade.x": {"en": "Cost axis", "zh": "代价坐标轴"},
    "trade.x.gmacs": {"en": "GMACs", "zh": "GMACs"},
    "trade.x.latency": {"en": "latency (ms)", "zh": "延迟（毫秒）"},
    "trade.highlight": {"en": "Highlight", "zh": "高亮"},
    "trade.yours": {"en": "yours", "zh": "你的"},
    "trade.yours_note": {"en": "Configurations marked ({yours}) are settings you explored on the DynamicViT and "
                                "Compare pages; their cost is computed.",
                         "zh": "标为（{yours}）的配置是你在 DynamicViT 和对比页面上尝试过的设置；其计算量已算出。"},
    "trade.yours_unmeasured": {"en": "Their accuracy is not measured yet (cost-only squares): use the button above.",
                               "zh": "它们的准确率尚未测量（只有计算量的方块）：请用上方的按钮。"},
    "trade.yours_imagenet": {"en": "Their ImageNet accuracy is not measured here (that needs the ImageNet "
                                   "validation set: `python -m vizcore evaluate --data …`).",
                             "zh": "此处不测量它们的 ImageNet 准确率（需要 ImageNet 验证集：`python -m vizcore evaluate --data …`）。"},
    "trade.yours_measured": {"en": "Accuracy of {k} of them measured on the first {n} test scenes (the grid's on its "
                                   "own split, see above).",
                             "zh": "其中 {k} 个的准确率在前 {n} 个测试场景上测量（网格配置的见上文）。"},
    "trade.measure_yours": {"en": "Measure accuracy of yours ({k}, first {n} scenes)",
                            "zh": "测量你的配置的准确率（{k} 个，前 {n} 个场景）"},
    "trade.published": {"en": "Show published ImageNet numbers", "zh": "显示论文发表的 ImageNet 数字"},
    "trade.measure": {"en": "Measure latency on {device}", "zh": "在 {device} 上测量延迟"},
    "trade.measuring": {"en": "Measuring {label} ({i}/{n}) …", "zh": "正在测量 {label}（{i}/{n}）……"},
    "trade.no_latency": {"en": "Latency not measured yet: press the button (about {s} s here).",
                         "zh": "尚未测量延迟：请点击按钮（此处约需 {s} 秒）。"},
    "trade.no_results": {"en": "No cached accuracy for these models yet. Run `python -m vizcore tradeoffs --write` "
                               "once the bundled models are trained.",
                         "zh": "这些模型尚无缓存的准确率。内置模型训练完成后，运行 `python -m vizcore tradeoffs --write`。"},
    "trade.results_from": {"en": "Accuracy: top-1 on the first {n} scenes of the held-out test split (cached).",
                           "zh": "准确率：保留测试集前 {n} 张场景上的 top-1（已缓存）。"},
    "trade.adaptive_measured": {"en": "{methods}: how many tokens survive depends on the image, so each point sits at "
                                      "the mean of every test scene's own cost (its budget, an upper bound, is the "
                                      "table's budget_gmacs).",
                                "zh": "{methods}：保留多少 token 取决于图像，所以每个点位于每张测试场景自身代价的平均值"
                                      "（其预算是代价的上界，不会超过它，即表格中的 budget_gmacs）。"},
    "trade.adaptive_budget": {"en": "{methods}: how many tokens survive depends on the image; without a measurement "
                                    "its points sit at the budget, an upper bound of the cost.",
                              "zh": "{methods}：保留多少 token 取决于图像；未测量时，其点位于预算处，即代价的上界（实际不会超过它）。"},
    "trade.highlighted": {"en": "▶ **{label}**: {unit} {cost}, top-1 {top1}. Cost axis: {scale} scale.",
                          "zh": "▶ **{label}**：{unit} {cost}，top-1 {top1}。代价坐标轴：{scale}刻度。"},
    "trade.highlight_off_axis": {"en": "▶ **{label}** has no {unit} yet: it is not on this axis.",
                                 "zh": "▶ **{label}** 尚无{unit}数据：不在此坐标轴上。"},
    "trade.scale.log": {"en": "log", "zh": "对数"},
    "trade.scale.linear": {"en": "linear", "zh": "线性"},
    "trade.published_gmacs_only": {"en": "The published numbers are GMACs only: they are placed on the GMACs axis.",
                                   "zh": "论文数字只有 GMACs：它们只出现在 GMACs 坐标轴上。"},
    "trade.table": {"en": "All configurations", "zh": "全部配置"},
    "trade.sources": {"en": "Sources of the published numbers", "zh": "论文数字的来源"},
    "trade.no_setting": {"en": "full model (no reduction)", "zh": "完整模型（不削减）"},
    # the published table's settings and throughputs, word by word (vizcore.views.tradeoffs.PUBLISHED_WORDS)
    "trade.pub.rho": {"en": "rho", "zh": "ρ"},
    "trade.pub.keep": {"en": "keep", "zh": "保留"},
    "trade.pub.fused": {"en": "fused", "zh": "融合"},
    "trade.pub.off_the_shelf": {"en": "off-the-shelf", "zh": "现成权重，未再训练"},
    "trade.pub.img_s": {"en": "img/s", "zh": "图/秒"},
    "trade.y01": {"en": "Accuracy axis from 0 to 1", "zh": "准确率坐标轴从 0 到 1"},
    "trade.rug": {"en": "Ticks along the foot of the chart: configurations whose accuracy is not measured (their cost "
                        "only).",
                  "zh": "图表底部的短线：尚未测量准确率的配置（只有其计算量）。"},
    "trade.load": {"en": "Results of your own sweep", "zh": "你自己的扫描结果"},
    "trade.load_help": {"en": "A results file of `python -m vizcore sweep --out FILE` (JSON lines, one configuration "
                              "per line): its points join the chart as their own layer on the right-hand axis, "
                              "with their data, number of images and date.",
                        "zh": "`python -m vizcore sweep --out FILE` 生成的结果文件（JSONL：每行一个配置）：其中的点作为"
                              "单独一层加入图表，位于右侧坐标轴，并注明数据、图像数与日期。"},
    "trade.load_file": {"en": "Results file (.jsonl)", "zh": "结果文件（.jsonl）"},
    "trade.loaded_from": {"en": "Loaded from {name}: {k} configurations on {sources}.",
                          "zh": "已从 {name} 载入：{k} 个配置，数据为 {sources}。"},
    "trade.loaded_bad": {"en": "This file cannot be shown: {error}", "zh": "无法显示此文件：{error}"},
    "trade.loaded_empty": {"en": "{name} holds no finished configuration yet.", "zh": "{name} 中尚无已完成的配置。"},
    "trade.loaded_gmacs_only": {"en": "The loaded results are placed on the GMACs axis only (their latency was "
                                      "measured elsewhere).",
                                "zh": "载入的结果只出现在 GMACs 坐标轴上（其延迟是在别处测量的）。"},
    "trade.loaded_table": {"en": "Loaded results", "zh": "载入的结果"},
    "trade.chart.y": {"en": "top-1 on the scenes test split", "zh": "合成场景测试集上的 top-1"},
    "trade.chart.y2": {"en": "ImageNet top-1 (%) — published", "zh": "ImageNet top-1（%）——论文发表"},
    "trade.chart.y2_loaded": {"en": "top-1 (%) — loaded results file", "zh": "top-1（%）——载入的结果文件"},
    "trade.chart.y2_both": {"en": "top-1 (%) — published ImageNet and loaded results",
                            "zh": "top-1（%）——论文发表的 ImageNet 与载入的结果"},
    "trade.chart.measured": {"en": "measured on the scenes (left axis)", "zh": "在合成场景上测量（左轴）"},
    "trade.chart.cost_only": {"en": "cost only, accuracy not measured", "zh": "只有计算量，未测准确率"},
    "trade.chart.published": {"en": "published ImageNet (right axis)", "zh": "论文发表的 ImageNet（右轴）"},
    "trade.chart.loaded": {"en": "loaded results (right axis)", "zh": "载入的结果（右轴）"},
    "trade.chart.front": {"en": "Pareto front", "zh": "帕累托前沿"},
    "trade.chart.method": {"en": "method", "zh": "方法"},
    "trade.chart.marks": {"en": "marks", "zh": "标记"},
    "trade.chart.cost": {"en": "cost", "zh": "代价"},
    "trade.chart.top1": {"en": "top-1", "zh": "top-1"},
    "trade.chart.source": {"en": "source", "zh": "来源"},
    "trade.chart.label": {"en": "configuration", "zh": "配置"},
}
