import type { LanguageLexicon } from './types';

export const es: LanguageLexicon = {
  language: 'es',
  countries: ['ES', 'MX', 'AR', 'CO', 'CL', 'PE'],
  outage: [
    'no jala', 'no me abre', 'se colgo', 'no funca', 'anda mal', 'va fatal', 'sin cobertura', 'no hay senal', 'no hay internet', 'se murio', 'esta muerto', 'caido el sistema', 'no entra', 'no cargan los', 'no se conecta', 'se desconecta', 'me desconecta',
    'caido', 'caida', 'caidos', 'caidas', 'caidisimo', 'se cayo', 'se cae', 'se cayeron', 'se callo', 'cayo', 'no funciona',
    'no me funciona', 'no funcionan', 'no anda', 'no sirve', 'no carga', 'no cargan', 'no conecta', 'no envia', 'no envian',
    'no llegan', 'no llega', 'no me deja', 'sin internet', 'sin servicio', 'sin senal', 'sin conexion', 'sin fibra',
    'fallando', 'esta fallando', 'no abre', 'se cierra', 'se traba', 'trabado', 'colgado', 'se cuelga', 'pantalla negra',
    'pantalla en blanco', 'no responde', 'no reproduce', 'lentisimo', 'un solo check', 'no va', 'caido el servidor',
    'fuera de servicio', 'se queda pensando', 'se queda cargando', 'se queda conectando', 'no puedo entrar', 'no puedo conectarme',
    'no puedo iniciar sesion',
  ],
  weak: ['problemas', 'falla', 'fallas', 'fallo', 'error', 'errores', 'lento', 'va lento'],
  errorMessages: [
    'intenta mas tarde', 'intentalo mas tarde', 'intente mas tarde', 'intentalo de nuevo mas tarde', 'vuelve a intentarlo mas tarde',
    'algo salio mal', 'no podemos procesar', 'no se pudo procesar', 'ha ocurrido un error', 'ocurrio un error',
    'error de red', 'error de conexion', 'error desconocido', 'problemas tecnicos', 'servicio no disponible',
    'temporalmente no disponible', 'no se puede reproducir',
  ],
  working: [
    'aqui funciona', 'a mi me anda', 'me anda bien', 'me va bien',
    'funciona bien', 'me funciona bien', 'me funciona', 'funciona perfecto', 'funciona perfectamente', 'funciona normal',
    'funcionando bien', 'anda bien', 'anda perfecto', 'va bien', 'no esta caido', 'no se cayo', 'sin problema', 'sin problemas',
    'ningun problema', 'todo bien', 'me funciona sin problema',
  ],
  recovery: ['ya funciona', 'funciona otra vez', 'volvio', 'ya volvio', 'ya anda', 'ya va', 'se arreglo', 'arreglado', 'restablecido'],
  idioms: ['me cae bien', 'me cae mal', 'se me cayo el celular', 'se me cayo el movil'],
  negators: ['no', 'ni', 'nunca'],
  functionWords: [
    'funciona', 'funcionan', 'carga', 'cargan', 'abre', 'abren', 'conecta', 'conectar', 'conectarme', 'envia', 'envian', 'manda',
    'mandan', 'llega', 'llegan', 'entrar', 'deja', 'reproduce', 'descarga', 'actualiza', 'responde', 'inicia', 'iniciar', 'anda',
    'sirve', 'puedo', 'abrir', 'cargar', 'enviar', 'subir', 'sube', 'suben', 'acceder', 'aparece', 'aparecen',
  ],
  errorWords: ['error', 'errores', 'codigo', 'code'],
  clauseSplitters: ['pero', 'porque', 'aunque', 'sino'],
  past: ['ayer', 'la semana pasada', 'el mes pasado', 'el ano pasado', 'anoche', 'antier', 'anteayer', 'recuerdan', 'hace un ano'],
  since: ['desde'],
  conditionals: ['si'],
  // Outage verbs that suppose (subjunctive): "en caso de que zoom se caiga", "si whatsapp fallara".
  supposed: [
    'se caiga', 'se caigan', 'se cayera', 'se cayese', 'falle', 'fallen', 'fallara', 'fallase', 'deje de funcionar',
    'dejara de funcionar', 'dejase de funcionar', 'se cuelgue', 'se colgara', 'se bloquee', 'se bloqueara', 'no funcione',
    'no funcionara', 'diera problemas',
  ],
  hypothetical: ['en caso de que', 'en caso de', 'por si', 'por si acaso', 'imaginate', 'imagina'],
  finance: ['acciones', 'accion', 'bolsa', 'precio', 'precios', 'inversores', 'resultados', 'ingresos', 'sube el precio', 'cotizacion'],
  postmortem: ['causa', 'causas', 'informe', 'provoco', 'postmortem'],
  news: ['segun', 'informa', 'reuters', 'europa press', 'ultima hora'],
  delivery: ['pedido', 'pedidos', 'paquete', 'paquetes', 'envio', 'entrega', 'reparto', 'seguimiento', 'aduana', 'aduanas', 'centro de distribucion', 'repartidor', 'mensajeria'],
  surface: ['app', 'aplicacion', 'web', 'pagina', 'sitio'],
  stopwords: [
    'el', 'la', 'los', 'las', 'de', 'que', 'y', 'en', 'un', 'una', 'no', 'me', 'se', 'es', 'por', 'con', 'para', 'mi', 'ya',
    'esta', 'hoy', 'otra', 'vez', 'pero', 'todo', 'nada', 'alguien', 'mas', 'desde', 'hace', 'puedo', 'funciona', 'tambien', 'como',
    'lleva', 'sigue', 'muy', 'del', 'al', 'jaja', 'jajaja', 'estoy', 'tengo',
  ],
};
