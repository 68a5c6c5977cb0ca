import type { LanguageLexicon } from './types';

export const pt: LanguageLexicon = {
  language: 'pt',
  countries: ['BR', 'PT'],
  outage: [
    'nao ta indo', 'nao vai', 'nao roda', 'ta bugando', 'ta off', 'caiu geral', 'sem rede', 'deu ruim', 'pifou', 'morreu', 'nao ta carregando', 'nao ta abrindo', 'nao ta enviando', 'nao ta conectando', 'desconectando', 'fora', 'ta lento demais',
    'caiu', 'cairam', 'fora do ar', 'ta fora', 'esta fora', 'nao funciona', 'nao esta funcionando', 'nao ta funcionando',
    'parou de funcionar', 'nao carrega', 'nao abre', 'nao envia', 'nao chegam', 'nao chega', 'nao conecta', 'sem internet',
    'sem sinal', 'sem servico', 'sem conexao', 'nao carregam', 'nao esta recebendo', 'nao recebe', 'travando', 'travou', 'travado',
    'bugou', 'bugado', 'deu pau', 'instavel', 'caindo', 'fica rodando', 'so fica rodando', 'tela branca', 'tela preta',
    'nao responde', 'nao toca', 'nao sai', 'fica so conectando', 'so conectando', 'fica conectando', 'nao atualiza',
    'nao baixa', 'fechando sozinho', 'fecha sozinho', 'nao entra', 'nao consigo entrar', 'nao deixa',
  ],
  weak: ['problema', 'problemas', 'erro', 'erros', 'lento', 'lentidao', 'demorando', 'bug'],
  errorMessages: [
    'tente novamente mais tarde', 'tente mais tarde', 'tente de novo mais tarde', 'algo deu errado', 'ocorreu um erro',
    'nao foi possivel processar', 'nao foi possivel concluir', 'erro de rede', 'erro de conexao',
    'erro desconhecido', 'servico indisponivel', 'temporariamente indisponivel', 'problemas tecnicos', 'erro tecnico',
  ],
  working: [
    'funciona pra mim', 'funcionando pra mim', 'aqui funciona', 'aqui ta normal', 'pra mim ta normal',
    'funcionando normal', 'ta funcionando', 'esta funcionando', 'ta normal', 'esta normal', 'funcionando de boa',
    'ta funcionando de boa', 'nao caiu', 'sem problema', 'sem problemas', 'nenhum problema', 'funciona normal', 'de boa',
    'tudo certo', 'normal aqui', 'ta tranquilo', 'o app funciona',
  ],
  recovery: ['voltou', 'ja voltou', 'voltou ao normal', 'normalizou', 'voltou a funcionar', 'ja ta funcionando', 'arrumaram', 'consertaram'],
  idioms: ['caiu a ficha', 'caiu no chao', 'caiu na real', 'caiu de cara'],
  negators: ['nao', 'nem', 'nunca'],
  functionWords: [
    'funciona', 'funcionam', 'carrega', 'carregam', 'abre', 'abrem', 'conecta', 'envia', 'enviam', 'manda', 'chega', 'chegam',
    'entra', 'entrar', 'consigo', 'deixa', 'toca', 'baixa', 'atualiza', 'responde', 'aparece', 'aparecem', 'sai', 'recebe',
    'recebo', 'posta', 'postar', 'carregar', 'abrir', 'enviar', 'logar', 'acessar',
  ],
  errorWords: ['erro', 'erros', 'codigo', 'dando erro', 'deu erro'],
  clauseSplitters: ['mas', 'porque', 'pq', 'porem', 'embora'],
  past: ['ontem', 'semana passada', 'mes passado', 'ano passado', 'anteontem', 'lembram', 'lembra quando'],
  since: ['desde', 'faz', 'ha'],
  conditionals: ['se'],
  // Outage verbs that suppose (future and present subjunctive): "se o zap cair", "caso o zoom trave".
  supposed: [
    'cair', 'caia', 'caiam', 'caisse', 'cair de novo', 'travar', 'trave', 'travem', 'travasse', 'falhar', 'falhe', 'falhasse',
    'parar de funcionar', 'pare de funcionar', 'parasse de funcionar', 'der problema', 'desse problema', 'der pau', 'sair do ar',
    'saia do ar', 'saisse do ar', 'ficar fora do ar', 'fique fora do ar', 'bugar', 'bugue',
  ],
  lingering: ['fica', 'ficam', 'pensando', 'me expulsa', 'me tira', 'pula', 'pulando', 'em espera', 'pendente', 'pendentes', 'o reloginho'],
  endless: ['cada', 'toda vez', 'sem parar', 'minutos', 'horas', 'hora'],
  hypothetical: ['caso', 'imagina', 'e se', 'na hipotese'],
  finance: ['acoes', 'acao', 'bolsa', 'preco', 'precos', 'investidores', 'balanco', 'resultados', 'receita', 'despencam', 'sobem'],
  postmortem: ['relatorio', 'causa', 'causou', 'analise', 'postmortem'],
  news: ['segundo o', 'segundo a', 'de acordo com', 'reuters', 'folha', 'g1', 'urgente'],
  delivery: ['pedido', 'pedidos', 'encomenda', 'entrega', 'rastreio', 'rastreamento', 'alfandega', 'centro de distribuicao', 'correios', 'transportadora', 'pacote'],
  surface: ['app', 'aplicativo', 'site', 'pagina'],
  stopwords: [
    'o', 'a', 'os', 'as', 'de', 'do', 'da', 'que', 'e', 'em', 'um', 'uma', 'nao', 'meu', 'minha', 'ta', 'tá', 'ja', 'pra', 'com',
    'no', 'na', 'aqui', 'alguem', 'mais', 'tambem', 'isso', 'voce', 'vc', 'hoje', 'de novo', 'kkk', 'kkkk', 'kkkkk', 'esta',
    'fica', 'so', 'nada', 'tudo', 'muito', 'agora', 'quem', 'sem', 'faz', 'ai', 'eu',
  ],
};
