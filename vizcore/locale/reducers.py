"""Strings of the token reducers (``vizcore.models.reducer_registry``): each reducer's name and one sentence
on what it does, and the names of their settings. Keys: ``reducer.<name>``, ``reducer.<name>.about``,
``reducer.setting.<setting>``."""

STRINGS = {
    "reducer.setting.rho": {"en": "keep ratio ρ", "zh": "保留比例 ρ"},
    "reducer.setting.r": {"en": "tokens merged per block r", "zh": "每个 block 合并的 token 数 r"},
    "reducer.dynamicvit": {"en": "DynamicViT", "zh": "DynamicViT"},
    "reducer.dynamicvit.about": {
        "en": "learned predictors before the pruning blocks keep ρ, ρ², ρ³ of the patch tokens (a model trained "
              "for it, on the same backbone configuration).",
        "zh": "剪枝 block 之前学到的预测器保留 ρ、ρ²、ρ³ 的图块 token（需要在相同主干配置上为其训练的模型）。"},
    "reducer.evit": {"en": "EViT", "zh": "EViT"},
    "reducer.evit.about": {
        "en": "at the same blocks keeps the tokens the CLS token attends to most and fuses the rest into one token "
              "(no new weights; on the bundled ViT it runs on a copy fine-tuned with it, as in its paper).",
        "zh": "在相同的 block 处保留 CLS token 最关注的 token，并把其余 token 融合为一个（不增加参数；"
              "在内置 ViT 上使用按论文做法与其一起微调过的副本）。"},
    "reducer.tome": {"en": "ToMe", "zh": "ToMe"},
    "reducer.tome.about": {
        "en": "merges the r most similar token pairs in every block; r is chosen so that its total tokens over all "
              "layers come closest to the pruners' total (training-free).",
        "zh": "在每个 block 合并 r 对最相似的 token；r 的取值使其各层 token 总数最接近剪枝方法的总数（无需训练）。"},
    "reducer.random_drop": {"en": "random drop", "zh": "随机丢弃"},
    # a configuration label's tag that is an English word ("random 0.7"): the tag in the reader's language
    "tag.random": {"en": "random", "zh": "随机"},
    "reducer.random_drop.about": {
        "en": "drops patch tokens by chance, in DynamicViT's numbers at the same blocks: the baseline.",
        "zh": "在相同 block 处按 DynamicViT 的数量随机丢弃图块 token：基线方法。"},
    "reducer.ats": {"en": "ATS", "zh": "ATS"},
    "reducer.ats.about": {
        "en": "at the same blocks scores every token by the CLS token's attention times the norm of its value and "
              "samples up to DynamicViT's count from those scores (inverse transform sampling); a token drawn twice "
              "is kept once, so fewer may survive (training-free).",
        "zh": "在相同的 block 处，以 CLS token 的注意力乘以其 value 的范数为每个 token 打分，并按分数采样至多与 DynamicViT "
              "相同数量的 token（逆变换采样）；被抽中两次的 token 只保留一次，因此存活的可能更少（无需训练）。"},
}
